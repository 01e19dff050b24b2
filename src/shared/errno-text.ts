/**
 * Sentences for the errno codes people meet. The raw code stays available for details;
 * the sentence is what a view, the CLI or a report shows first.
 */
export interface ErrnoText {
  /** What went wrong, about the thing named by `what`. */
  message: string
  /** What to do about it. */
  hint?: string
}

type Maker = (what: string) => ErrnoText

const TEXT: Record<string, Maker> = {
  ENOENT: (w) => ({ message: `${w} does not exist.`, hint: 'Check the spelling, or choose the file with Browse.' }),
  ENOTDIR: (w) => ({ message: `A part of the path to ${w} is a file, not a folder.`, hint: 'Check the path, or choose the file with Browse.' }),
  EISDIR: (w) => ({ message: `${w} is a folder, not a file.`, hint: 'Open the folder and choose a file in it.' }),
  EACCES: (w) => ({ message: `You are not allowed to read ${w}.`, hint: 'Copy it somewhere in your home folder, or change its permissions.' }),
  EPERM: (w) => ({ message: `The system refused access to ${w}.`, hint: 'Copy it somewhere in your home folder, or change its permissions.' }),
  ELOOP: (w) => ({ message: `${w} is a link that points in a circle.`, hint: 'Choose the file the link was meant to point at.' }),
  ENAMETOOLONG: (w) => ({ message: `The path of ${w} is too long.` }),
  ENOTSUP: () => ({ message: 'This filesystem cannot clone files.', hint: 'Use btrfs, or XFS with reflink enabled, for copy-on-write package installs.' }),
  EOPNOTSUPP: () => ({ message: 'This filesystem cannot clone files.', hint: 'Use btrfs, or XFS with reflink enabled, for copy-on-write package installs.' }),
  EXDEV: () => ({
    message: 'The source and the copy are on different filesystems, so the file cannot be cloned.',
    hint: 'Test a folder on the filesystem you want to use.'
  }),
  ENOSPC: (w) => ({ message: `There is no space left for ${w}.`, hint: 'Free some space or choose another folder.' }),
  EROFS: (w) => ({ message: `${w} is on a read-only filesystem.`, hint: 'Choose a folder you can write to.' }),
  EBUSY: (w) => ({ message: `${w} is in use by another program.`, hint: 'Close the program that uses it and try again.' }),
  EIO: (w) => ({ message: `The disk reported a read or write error on ${w}.`, hint: 'The medium may be failing: try another copy or another drive.' }),
  EADDRINUSE: () => ({
    message: 'That port is already in use by another program.',
    hint: 'Pick another port with --port, or leave --port out to get a free one.'
  }),
  ECONNREFUSED: (w) => ({ message: `${w} refused the connection.`, hint: 'Check the address, or try again later.' }),
  ETIMEDOUT: (w) => ({ message: `${w} did not answer in time.`, hint: 'Check your network connection and try again.' }),
  ENOTFOUND: (w) => ({ message: `The name of ${w} could not be looked up: you seem to be offline.`, hint: 'Check your network connection and try again.' }),
  EAI_AGAIN: (w) => ({ message: `The name of ${w} could not be looked up: you seem to be offline.`, hint: 'Check your network connection and try again.' }),
  ENETUNREACH: () => ({ message: 'The network cannot be reached: you seem to be offline.', hint: 'Check your network connection and try again.' })
}

/** A sentence for an errno code, or undefined for codes without one. */
export function errnoText(code: string | undefined, what: string): ErrnoText | undefined {
  const make = code ? TEXT[code] : undefined
  return make ? make(what) : undefined
}

/** The code of a Node system error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined
}
