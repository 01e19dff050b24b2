// Named imports: the bundles then hold these two fields, not the whole package.json
// (its scripts and dependency lists were built into every command's start-up, #15).
import { productName, version } from '../../package.json'

export const APP_NAME = productName
export const APP_VERSION = version
