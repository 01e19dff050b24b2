/**
 * Switches that only tests use. The process that starts the services chooses them (its entry
 * point reads its environment once, through testSwitchesFromEnv); services read them from the
 * context, never from the environment, and no client can set them.
 */
export interface TestSwitches {
  /** Offer loop devices as writable drives (HSC_TEST_ALLOW_LOOP=1). */
  allowLoopDevices: boolean
  /** Manage repositories inside this dnf installroot instead of / (HSC_REPOS_INSTALLROOT); it reaches privileged dnf argv. */
  reposInstallroot?: string
  /** The installroot's $releasever (HSC_REPOS_RELEASEVER); read from its os-release otherwise. */
  reposReleasever?: string
  /** Stall timeout before a download fails over to the next mirror (HSC_SPINS_STALL_MS; 15 s otherwise). */
  spinsStallMs?: number
}

export const NO_TEST_SWITCHES: TestSwitches = Object.freeze({ allowLoopDevices: false })

type Env = Readonly<Record<string, string | undefined>>

/** The one place the switches are read from an environment (CLI, browser mode, service process). */
export function testSwitchesFromEnv(env: Env): TestSwitches {
  const switches: TestSwitches = { allowLoopDevices: env.HSC_TEST_ALLOW_LOOP === '1' }
  if (env.HSC_REPOS_INSTALLROOT) switches.reposInstallroot = env.HSC_REPOS_INSTALLROOT
  if (env.HSC_REPOS_RELEASEVER) switches.reposReleasever = env.HSC_REPOS_RELEASEVER
  const stall = Number(env.HSC_SPINS_STALL_MS)
  if (env.HSC_SPINS_STALL_MS && Number.isFinite(stall) && stall > 0) switches.spinsStallMs = stall
  return switches
}
