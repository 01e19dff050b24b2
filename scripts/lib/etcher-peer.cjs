'use strict'
// One write with etcher-sdk, balenaEtcher's engine, as bench:write's peer (issue 15): the image
// file to a block device through multiWrite.pipeSourceToDestinations, O_DIRECT, with or without
// its read-back verification. A whole process, timed from outside like `hsc write`.
//   node scripts/lib/etcher-peer.cjs ETCHER_SDK_DIR IMAGE DEVICE SIZE_BYTES verify|no-verify
// ETCHER_SDK_DIR is the etcher-sdk package folder; etcher-sdk is no dependency of this project
// (see bench-write.mjs for how to install it beside the project).
const [sdkDir, image, device, size, mode] = process.argv.slice(2)
const { sourceDestination, multiWrite } = require(sdkDir)

async function main() {
  const source = new sourceDestination.File({ path: image })
  // What drivelist would report for the device; the bench only ever passes its own loop device.
  const drive = {
    device,
    raw: device,
    devicePath: null,
    description: 'bench loop device',
    size: Number(size),
    isSystem: false,
    isReadOnly: false,
    isRemovable: true,
    mountpoints: [],
    blockSize: 512,
    logicalBlockSize: 512,
    busType: 'Unknown',
    enumerator: 'bench',
    error: null
  }
  const destination = new sourceDestination.BlockDevice({ drive, unmountOnSuccess: false, write: true, direct: true })
  let failure
  const { failures } = await multiWrite.pipeSourceToDestinations({
    source,
    destinations: [destination],
    verify: mode === 'verify',
    onFail: (_dest, err) => (failure = err),
    onProgress: () => {}
  })
  if (failure || failures.size > 0) throw failure ?? [...failures.values()][0]
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`etcher-sdk: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
)
