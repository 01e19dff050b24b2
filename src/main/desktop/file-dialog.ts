import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron'
import type { ChosenFile, FileKind } from '../../shared/contract/files'

const FILTERS: Record<FileKind, OpenDialogOptions['filters']> = {
  image: [
    { name: 'Disk images (also xz, zstd, gzip compressed)', extensions: ['iso', 'img', 'raw', 'xz', 'zst', 'gz'] },
    { name: 'All files', extensions: ['*'] }
  ],
  checksum: [
    { name: 'Checksum files', extensions: ['CHECKSUM', 'sha256', 'sha256sum', 'asc', 'txt'] },
    { name: 'All files', extensions: ['*'] }
  ],
  any: [{ name: 'All files', extensions: ['*'] }]
}

const TITLES: Record<FileKind, string> = { image: 'Choose a disk image', checksum: 'Choose a checksum file', any: 'Choose a file' }

/** The contract's files.choose in Electron: the desktop's own open dialog, in the main process. */
export function nativeChooser(getWindow: () => BrowserWindow | null) {
  return async ({ kind, title }: { kind: FileKind; title?: string }): Promise<ChosenFile> => {
    const opts: OpenDialogOptions = { title: title || TITLES[kind], properties: ['openFile'], filters: FILTERS[kind] }
    const win = getWindow()
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
    return { path: r.canceled ? null : (r.filePaths[0] ?? null), native: true }
  }
}
