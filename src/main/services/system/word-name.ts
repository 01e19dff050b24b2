/**
 * One or more ASCII letters, digits or underscores: a kernel config option (without CONFIG_),
 * an os-release key, a dnf variable. One pattern object for all of them: a cold report then
 * compiles it once (#15), and no copy of it can drift from the others.
 */
export const WORD_NAME = /^[A-Za-z0-9_]+$/
