// No zod here: the repos service's start-up path imports the flavour names directly.
export type HyperscaleVariant = 'main' | 'experimental' | 'kernel' | 'spin' | 'hotfixes' | 'facebook' | 'intel' | 'asahi' | 'other'

/** A flavour of the Hyperscale repositories (resources/repos/flavours.json). */
export type HyperscaleFlavour = Exclude<HyperscaleVariant, 'other'>
export const FLAVOURS = ['main', 'experimental', 'facebook', 'spin', 'hotfixes', 'intel', 'kernel', 'asahi'] as const satisfies readonly HyperscaleFlavour[]
