import { closeSync, constants as fsc, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { WriteJob, WriteStage } from '../../../shared/contract/drives'

const TERMINAL: readonly WriteStage[] = ['done', 'failed', 'cancelled']
const KEEP = 20
const PROGRESS_EVERY_MS = 1000
const JOB_FILE = /^[0-9a-f-]{36}\.json$/
const MAX_ENTRY_BYTES = 1024 * 1024

interface Entry {
  pid: number
  job: WriteJob
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Every write job's last known state, one small file per job, so the outcome of a write
 * outlives the process that ran it: after a crash (or kill) of the service process, the next
 * one reports the drive as not bootable with the stage and offset the job had reached,
 * instead of forgetting it. Stage changes are written synchronously (a kill right after one
 * cannot lose it), progress at most once a second.
 */
export class JobJournal {
  private readonly lastWrite = new Map<string, { at: number; stage: WriteStage }>()

  constructor(private readonly dir: string) {}

  record(job: WriteJob): void {
    const now = Date.now()
    const prev = this.lastWrite.get(job.jobId)
    const stageKey = `${job.stage}|${job.targets.map((t) => t.stage).join(',')}` as WriteStage
    if (prev && prev.stage === stageKey && now - prev.at < PROGRESS_EVERY_MS && !TERMINAL.includes(job.stage)) return
    this.lastWrite.set(job.jobId, { at: now, stage: stageKey })
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 })
      const file = path.join(this.dir, `${job.jobId}.json`)
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, job } satisfies Entry), { mode: 0o600 })
      renameSync(tmp, file)
      if (TERMINAL.includes(job.stage)) this.lastWrite.delete(job.jobId)
    } catch {
      // The journal is a safety net; a full or read-only disk must not fail the write itself.
    }
  }

  /**
   * Jobs recorded by processes other than this one: finished ones as they ended, and ones
   * whose process died mid-job as failed, not bootable, at their last stage and offset.
   */
  load(): WriteJob[] {
    let names: string[]
    try {
      names = readdirSync(this.dir).filter((n) => JOB_FILE.test(n))
    } catch {
      return []
    }
    const entries: { job: WriteJob; mtime: number; file: string }[] = []
    for (const name of names) {
      const file = path.join(this.dir, name)
      try {
        // Same-user files are not trusted: no link is followed, no FIFO blocks, size is capped,
        // and the file's own name (checked above) is the job's identity, never its content.
        const fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK)
        let text: string
        let mtime: number
        try {
          const st = fstatSync(fd)
          if (!st.isFile() || st.size > MAX_ENTRY_BYTES) continue
          text = readFileSync(fd, 'utf8')
          mtime = st.mtimeMs
        } finally {
          closeSync(fd)
        }
        const e = JSON.parse(text) as Entry
        if (!e || typeof e.pid !== 'number' || !e.job || e.job.jobId !== name.slice(0, -'.json'.length) || !Array.isArray(e.job.targets)) continue
        if (e.pid === process.pid) continue
        if (!TERMINAL.includes(e.job.stage)) {
          if (alive(e.pid)) continue
          e.job = interrupted(e.job)
        }
        entries.push({ job: e.job, mtime, file })
      } catch {
        // A torn or foreign file is not a job.
      }
    }
    entries.sort((a, b) => b.mtime - a.mtime)
    for (const old of entries.slice(KEEP)) rmSync(old.file, { force: true })
    return entries.slice(0, KEEP).map((e) => e.job)
  }
}

/** A job whose process stopped mid-way: every unfinished drive failed where it was. */
export function interrupted(job: WriteJob): WriteJob {
  const targets = job.targets.map((t) => {
    if (TERMINAL.includes(t.stage)) return t
    // The first MiB is written last and synced before verification starts: a drive stopped
    // while verifying (or ejecting) holds the whole image; one stopped earlier does not boot.
    const complete = t.stage === 'verify' || t.stage === 'eject'
    const touched = complete || t.stage === 'write' || t.stage === 'sync'
    const hint = complete
      ? 'The image was written completely but not verified: write it again with verification to be sure it boots.'
      : touched
        ? 'This drive will not boot until it is written again. Write it again, or restore it.'
        : 'Nothing was written to this drive.'
    return {
      ...t,
      stage: 'failed' as const,
      error: {
        name: 'BackendStopped',
        message: `The app's background service stopped while ${t.stage === 'verify' ? 'verifying' : 'writing'} ${t.device}; the job did not finish.`,
        stage: t.stage,
        ...(touched ? { offset: t.bytes } : {}),
        hint
      },
      notBootable: (touched && !complete) || t.notBootable
    }
  })
  return {
    ...job,
    stage: 'failed',
    targets,
    finishedAt: job.finishedAt ?? new Date().toISOString(),
    message: `Interrupted: the background service stopped during "${job.stage}".`
  }
}
