// No zod here: the renderer imports this directly.
export const thresholdKeys = ['SwapUsedLimit', 'DefaultMemoryPressureLimit', 'DefaultMemoryPressureDurationSec'] as const
