import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A throwaway self-signed certificate and its key (openssl req -x509, one day): a test CA, or a server's own. */
export async function selfSigned(key: string, cert: string, subject: string, extra: string[] = []): Promise<void> {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', subject, ...extra])
}
