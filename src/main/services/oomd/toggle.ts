import { AppError } from '../../../shared/contract/errors'
import { OOMD_SERVICE, OOMD_SOCKET } from '../../../shared/contract/oomd-keys'
import type { OomdToggleResult } from '../../../shared/contract/oomd'
import type { SystemdClientOptions } from '../systemd/client'
import { withSystemd } from '../systemd/session'
import { systemctlOffline } from '../systemd/systemctl'
import { blockersOf, checkRequirements } from './requirements'
import { readOomdState, type StateDeps } from './state'

export interface ToggleDeps extends StateDeps {
  clientOptions?: SystemdClientOptions
}

const UNITS = [OOMD_SOCKET, OOMD_SERVICE]

async function offline(deps: ToggleDeps, verb: 'enable' | 'disable'): Promise<string[]> {
  try {
    await systemctlOffline(deps.run, deps.fs.root, verb, UNITS)
  } catch (err) {
    throw new AppError('SystemctlFailed', `systemctl --root could not ${verb} systemd-oomd: ${err instanceof Error ? err.message : String(err)}`, {
      stage: `systemctl --root ${verb}`
    })
  }
  return [`systemctl --root=${deps.fs.root} ${verb} ${UNITS.join(' ')}`]
}

/**
 * Enables and starts systemd-oomd: EnableUnitFiles + Reload + StartUnit (waiting for the
 * job), each carrying the interactive-authorization flag. Refuses when a hard requirement
 * fails, because the unit would only fail its start conditions.
 */
export async function enableOomd(deps: ToggleDeps): Promise<OomdToggleResult> {
  const reqs = await checkRequirements(deps.fs)
  const blockers = blockersOf(reqs)
  if (blockers.length) {
    const first = reqs.find((r) => r.hard && r.status === 'fail')
    throw new AppError('RequirementsNotMet', `systemd-oomd cannot run on this system. ${blockers.join(' ')}`, {
      stage: 'check requirements',
      hint: first?.remedy ? `${first.remedy.text}${first.remedy.command ? ` Command: ${first.remedy.command}` : ''}` : undefined
    })
  }
  if (!deps.fs.isLive) {
    const steps = await offline(deps, 'enable')
    return { action: 'enable', steps, state: await readOomdState(deps) }
  }
  const steps: string[] = []
  await withSystemd(
    deps.connect,
    async (c) => {
      steps.push(`EnableUnitFiles(${UNITS.join(', ')})`)
      await c.enableUnitFiles(UNITS, false, true)
      steps.push('Reload')
      await c.reload()
      steps.push(`StartUnit(${OOMD_SERVICE})`)
      await c.startUnit(OOMD_SERVICE, 'replace')
    },
    deps.clientOptions
  )
  const state = await readOomdState(deps)
  if (state.source === 'dbus' && !state.active) {
    throw new AppError(
      'NotRunning',
      `systemd-oomd was enabled and its start job finished, but the service is ${state.service.activeState} (${state.service.subState}).`,
      {
        stage: 'check state after start',
        hint: 'A start condition probably failed; see `journalctl -u systemd-oomd.service`.'
      }
    )
  }
  return { action: 'enable', steps, state }
}

/** Stops and disables systemd-oomd: StopUnit (service, then its socket) + DisableUnitFiles + Reload. */
export async function disableOomd(deps: ToggleDeps): Promise<OomdToggleResult> {
  if (!deps.fs.isLive) {
    const steps = await offline(deps, 'disable')
    return { action: 'disable', steps, state: await readOomdState(deps) }
  }
  const steps: string[] = []
  await withSystemd(
    deps.connect,
    async (c) => {
      steps.push(`StopUnit(${OOMD_SERVICE})`)
      await c.stopUnit(OOMD_SERVICE, 'replace')
      // The socket would start the service again on the next connection.
      steps.push(`StopUnit(${OOMD_SOCKET})`)
      await c.stopUnit(OOMD_SOCKET, 'replace')
      steps.push(`DisableUnitFiles(${UNITS.join(', ')})`)
      await c.disableUnitFiles(UNITS, false)
      steps.push('Reload')
      await c.reload()
    },
    deps.clientOptions
  )
  return { action: 'disable', steps, state: await readOomdState(deps) }
}
