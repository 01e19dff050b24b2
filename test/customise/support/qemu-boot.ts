import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'

export interface BootResult {
  log: string
  timedOut: boolean
  seconds: number
}

/**
 * Boots a disk image as the only disk (virtio) with SeaBIOS or OVMF under TCG and returns
 * the serial console. The disk is opened read-only through a snapshot, so one stick image
 * serves both boots unchanged.
 */
export async function bootDisk(disk: string, firmware: 'seabios' | 'ovmf', work: string, timeoutMs: number): Promise<BootResult> {
  const log = path.join(work, `serial-${firmware}.log`)
  const argv = ['-accel', 'tcg', '-nodefaults', '-display', 'none', '-no-reboot', '-m', '512', '-serial', `file:${log}`]
  if (firmware === 'ovmf') {
    const vars = path.join(work, 'OVMF_VARS.fd')
    fs.copyFileSync(OVMF_VARS, vars)
    argv.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`)
  }
  argv.push('-drive', `file=${disk},format=raw,if=virtio,snapshot=on`)
  const t0 = Date.now()
  const child = spawn('qemu-system-x86_64', argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  clearTimeout(timer)
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''
  if (code !== 0 && !timedOut) throw new Error(`qemu-system-x86_64 (${firmware}) exited with ${code}: ${stderr}`)
  return { log: text, timedOut, seconds: (Date.now() - t0) / 1000 }
}
