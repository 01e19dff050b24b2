// Runs inside the test guest (real systemd as PID 1, udisks2, polkit, systemd-oomd, USB sticks)
// as root from hsc-guest-checks.service. It only collects what happened: every check sends
// {type: 'result', id, data} (or error) as one JSON line on ttyS1, and test/vm/guest.test.ts
// on the host asserts. Plain JavaScript: it runs on the host's node binary without a build.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'

const NODE = '/opt/hsc/bin/node'
const HSC = '/opt/hsc/app/bin/hsc.cjs'
const USER = 'hscuser'
const RULES = '/etc/polkit-1/rules.d/49-hsc-guest-test.rules'
const ENV = { PATH: '/opt/hsc/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', NO_COLOR: '1', HOME: '/root' }
const started = Date.now()

const tty = fs.openSync('/dev/ttyS1', 'w')
const emit = (obj) => fs.writeSync(tty, JSON.stringify(obj) + '\n')
const log = (msg) => emit({ type: 'log', t: Math.round((Date.now() - started) / 1000), msg })

/** Runs argv (never a shell string) and collects everything; a timeout kills it and says so. */
function run(argv, { user, timeoutMs = 180_000, env = ENV } = {}) {
  const full = user ? ['/usr/bin/setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', ...argv] : argv
  const t0 = Date.now()
  return new Promise((resolve) => {
    const p = spawn(full[0], full.slice(1), { env: user ? { ...env, HOME: `/home/${user}` } : env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      p.kill('SIGKILL')
    }, timeoutMs)
    p.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut })
    })
    p.on('error', (err) => {
      clearTimeout(timer)
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err), ms: Date.now() - t0, timedOut })
    })
  })
}
const hsc = (args, opts) => run([NODE, HSC, ...args], opts)
// Asynchronous on purpose: the oomd and drives checks run side by side, and the hot-removal
// watcher must keep ticking while the other side waits for a command.
const sh = (argv, timeoutMs = 120_000) => run(argv, { timeoutMs })
const json = (text) => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const sha256File = (path, length) => {
  const h = createHash('sha256')
  const fd = fs.openSync(path, 'r')
  const buf = Buffer.alloc(1 << 20)
  let pos = 0
  try {
    while (pos < length) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos)
      if (n <= 0) break
      h.update(buf.subarray(0, n))
      pos += n
    }
  } finally {
    fs.closeSync(fd)
  }
  return { sha256: h.digest('hex'), bytes: pos }
}

async function check(id, fn) {
  log(`start ${id}`)
  try {
    emit({ type: 'result', id, data: await fn() })
  } catch (err) {
    emit({ type: 'result', id, error: String(err?.stack ?? err) })
  }
}

async function unitState(unit) {
  return { active: (await sh(['systemctl', 'is-active', unit])).stdout.trim(), enabled: (await sh(['systemctl', 'is-enabled', unit])).stdout.trim() }
}
async function polkitRule(body) {
  if (body === null) fs.rmSync(RULES, { force: true })
  else fs.writeFileSync(RULES, body)
  // polkitd reloads rules on inotify too; a restart makes the switch deterministic.
  await sh(['systemctl', 'restart', 'polkit.service'])
}
const rule = (result) => `// Written by the Hyperscale Companion guest test.
polkit.addRule(function (action, subject) {
  if (subject.user == "${USER}" && action.id.indexOf("org.freedesktop.systemd1.") == 0) return polkit.Result.${result};
});
`

/** The USB sticks by serial, once udisksd reports all three. */
async function waitForSticks() {
  let last = null
  for (let i = 0; i < 90; i++) {
    const r = await hsc(['drives', 'list', '--json'])
    last = r
    const list = json(r.stdout)
    const usb = list?.drives?.filter((d) => /^HSCSTICK/.test(d.serial)) ?? []
    if (usb.length >= 3) return { list, r }
    await sleep(1000)
  }
  throw new Error(`USB sticks did not show up in drives list: ${last?.stdout?.slice(0, 500)} ${last?.stderr}`)
}
const deviceOf = (list, serial) => list.drives.find((d) => d.serial === serial)?.device
const brief = (d) => ({
  device: d.device,
  serial: d.serial,
  bus: d.bus,
  removable: d.removable,
  ejectable: d.ejectable,
  canPowerOff: d.canPowerOff,
  mediaAvailable: d.mediaAvailable,
  offered: d.offered,
  reasons: d.reasons,
  loop: d.loop,
  size: d.size
})
const udisksDrivePaths = async () =>
  (await sh(['busctl', '--list', 'tree', 'org.freedesktop.UDisks2'])).stdout.split('\n').filter((l) => l.startsWith('/org/freedesktop/UDisks2/drives/'))

async function inspectChecks() {
  await check('inspect', async () => {
    const r = await hsc(['inspect', '--json'])
    const report = json(r.stdout)
    return {
      code: r.code,
      stderr: r.stderr.slice(-2000),
      checks: report?.checks?.map((c) => ({ id: c.id, status: c.status, value: c.value, details: c.details })) ?? null,
      tools: {
        statfsCgroup: (await sh(['stat', '-f', '-c', '%T', '/sys/fs/cgroup'])).stdout.trim(),
        controllers: fs.readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim(),
        pressure: Object.fromEntries(['cpu', 'memory', 'io'].map((k) => [k, fs.readFileSync(`/proc/pressure/${k}`, 'utf8')])),
        systemctlVersion: (await sh(['systemctl', '--version'])).stdout.split('\n')[0],
        swaps: fs.readFileSync('/proc/swaps', 'utf8'),
        cmdline: fs.readFileSync('/proc/cmdline', 'utf8').trim()
      }
    }
  })
}

async function oomdChecks() {
  await check('oomd.status', async () => {
    const r = await hsc(['oomd', 'status', '--json'])
    return { code: r.code, stderr: r.stderr.slice(-2000), status: json(r.stdout), unit: await unitState('systemd-oomd.service') }
  })

  await check('oomd.toggle.allowed', async () => {
    await polkitRule(rule('YES'))
    const before = await unitState('systemd-oomd.service')
    const disable = await hsc(['oomd', 'disable', '--json'], { user: USER })
    const afterDisable = await unitState('systemd-oomd.service')
    const enable = await hsc(['oomd', 'enable', '--json'], { user: USER })
    const afterEnable = await unitState('systemd-oomd.service')
    const pick = (r) => ({ code: r.code, stderr: r.stderr.slice(-1500), out: json(r.stdout) })
    return { uid: (await sh(['id', '-u', USER])).stdout.trim(), before, disable: pick(disable), afterDisable, enable: pick(enable), afterEnable }
  })

  await check('oomd.toggle.denied', async () => {
    await polkitRule(rule('NO'))
    const r = await hsc(['oomd', 'disable', '--json'], { user: USER })
    return {
      code: r.code,
      stdout: r.stdout.slice(0, 1500),
      stderr: r.stderr.slice(-1500),
      timedOut: r.timedOut,
      after: await unitState('systemd-oomd.service')
    }
  })

  await check('polkit.no-agent', async () => {
    // No rule: systemd's own policy (auth_admin) applies, and this user has no agent.
    await polkitRule(null)
    const r = await hsc(['oomd', 'disable', '--json'], { user: USER, timeoutMs: 120_000 })
    return {
      code: r.code,
      stdout: r.stdout.slice(0, 1500),
      stderr: r.stderr.slice(-1500),
      timedOut: r.timedOut,
      ms: r.ms,
      after: await unitState('systemd-oomd.service')
    }
  })

  await check('oomd.thresholds', async () => {
    const set = await hsc(['oomd', 'set', 'SwapUsedLimit=75%', 'DefaultMemoryPressureLimit=55%', 'DefaultMemoryPressureDurationSec=45s', '--json'])
    const dropIn = fs.existsSync('/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf')
      ? fs.readFileSync('/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf', 'utf8')
      : null
    const oomctlAfterSet = (await sh(['oomctl'])).stdout
    const reset = await hsc(['oomd', 'reset', '--json'])
    const oomctlAfterReset = (await sh(['oomctl'])).stdout
    return {
      set: { code: set.code, stderr: set.stderr.slice(-1500), out: json(set.stdout) },
      dropIn,
      oomctlAfterSet,
      reset: { code: reset.code, stderr: reset.stderr.slice(-1500), out: json(reset.stdout) },
      dropInAfterReset: fs.existsSync('/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf'),
      oomctlAfterReset
    }
  })
}

async function driveChecks() {
  const { list, r: listRun } = await waitForSticks()
  const A = deviceOf(list, 'HSCSTICKA')
  const B = deviceOf(list, 'HSCSTICKB')
  const C = deviceOf(list, 'HSCSTICKC')

  await check('drives.list', async () => {
    const all = await hsc(['drives', 'list', '--all'])
    return {
      env: { HSC_TEST_ALLOW_LOOP: process.env.HSC_TEST_ALLOW_LOOP ?? null },
      code: listRun.code,
      loopDevicesAllowed: list.loopDevicesAllowed,
      drives: list.drives.map(brief),
      allText: all.stdout,
      allCode: all.code,
      rootSource: (await sh(['findmnt', '-no', 'SOURCE', '/'])).stdout.trim(),
      lsblk: json((await sh(['lsblk', '-J', '-d', '-o', 'NAME,RM,TRAN,SERIAL,TYPE'])).stdout)
    }
  })

  await check('drives.hot-remove', async () => {
    const img = '/var/tmp/big.img'
    await sh(['truncate', '-s', '512M', img])
    // Ask the host to pull the stick once the kernel has written 64 MiB to it: mid-write.
    const stat = `/sys/class/block/${C.replace('/dev/', '')}/stat`
    let asked = false
    let writtenWhenAsked = 0
    const watch = setInterval(() => {
      let sectors
      try {
        sectors = Number(fs.readFileSync(stat, 'utf8').trim().split(/\s+/)[6])
      } catch {
        return
      }
      if (!asked && sectors * 512 >= 64 * 1024 * 1024) {
        asked = true
        writtenWhenAsked = sectors * 512
        emit({ type: 'event', name: 'pull-stick', device: 'usbC' })
      }
    }, 100)
    const r = await hsc(['write', img, C, '--allow-unverified', '--no-verify', '--yes', '--json'], { timeoutMs: 300_000 })
    clearInterval(watch)
    for (let i = 0; i < 60 && (await udisksDrivePaths()).some((p) => p.includes('HSCSTICKC')); i++) await sleep(500)
    return {
      device: C,
      asked,
      writtenWhenAsked,
      code: r.code,
      timedOut: r.timedOut,
      job: json(r.stdout),
      stderr: r.stderr.slice(-2000),
      blockGone: !fs.existsSync(`/sys/class/block/${C.replace('/dev/', '')}`),
      drivePaths: await udisksDrivePaths()
    }
  })

  const partOf = (dev) => `${dev}1`
  const blk = async (dev) =>
    Object.fromEntries(
      (await sh(['blkid', '-p', '-o', 'export', dev])).stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
    )
  const mountBack = async (dev, type) => {
    fs.mkdirSync('/mnt/stick', { recursive: true })
    const m = await sh(['mount', '-t', type, '-o', 'ro', dev, '/mnt/stick'])
    const fstype = (await sh(['findmnt', '-no', 'FSTYPE', '/mnt/stick'])).stdout.trim()
    const source = (await sh(['findmnt', '-no', 'SOURCE', '/mnt/stick'])).stdout.trim()
    await sh(['umount', '/mnt/stick'])
    return { code: m.code, stderr: m.stderr.trim(), fstype, source, dmesg: m.code === 0 ? '' : (await sh(['dmesg'])).stdout.split('\n').slice(-15).join('\n') }
  }
  const restoreCheck = async (label) => {
    const r = await hsc(['restore', A, '--label', label, '--yes', '--json'])
    await sh(['udevadm', 'settle'])
    const part = partOf(A)
    return {
      device: A,
      code: r.code,
      stderr: r.stderr.slice(-1500),
      out: json(r.stdout),
      disk: await blk(A),
      partition: await blk(part),
      kernelPartitions: fs.readdirSync(`/sys/class/block/${A.replace('/dev/', '')}`).filter((n) => n.startsWith(A.replace('/dev/', ''))),
      mount: await mountBack(part, json(r.stdout)?.fsType === 'vfat' ? 'vfat' : 'exfat')
    }
  }
  await check('drives.restore.exfat', () => restoreCheck('HSC_EXFAT'))
  await check('drives.restore.vfat', async () => {
    // udisksd offers exFAT only when mkfs.exfat is there: without it restore falls back to FAT32.
    const mkfs = '/usr/sbin/mkfs.exfat'
    fs.renameSync(mkfs, `${mkfs}.hidden`)
    try {
      return await restoreCheck('HSCFAT')
    } finally {
      fs.renameSync(`${mkfs}.hidden`, mkfs)
    }
  })

  const img = '/var/tmp/small.img'
  const size = 24 * 1024 * 1024
  fs.writeFileSync(img, Buffer.alloc(0))
  {
    const fd = fs.openSync(img, 'w')
    for (let i = 0; i < size / (1 << 20); i++)
      fs.writeSync(
        fd,
        createHash('sha512')
          .update(`hsc ${i}`)
          .digest()
          .toString('hex')
          .repeat(8192)
          .slice(0, 1 << 20)
      )
    fs.closeSync(fd)
  }
  const imgHash = sha256File(img, size).sha256

  await check('drives.write.verify', async () => {
    const r = await hsc(['write', img, A, '--sha256', imgHash, '--yes', '--json'])
    return { device: A, imageSha256: imgHash, code: r.code, job: json(r.stdout), stderr: r.stderr.slice(-1500), readBack: sha256File(A, size) }
  })

  await check('customise.persist', async () => {
    // The UDisks2 half of persistence on a real USB stick. The image stands in for a customised
    // ISO (the guest has no xorriso): an MBR with one partition like an isohybrid's, and the
    // sidecar record customise.run writes, which is all customise.persist reads.
    const iso = '/var/tmp/custom.iso'
    const isoSize = 20 * 1024 * 1024
    // Boot code and disk id are never zero on a hybrid ISO (grub's boot_hybrid.img is there);
    // parted, under UDisks2, fills an all-zero boot code area with its own.
    const mbr = Buffer.alloc(512, 0xeb)
    mbr.fill(0, 446, 510)
    mbr[446] = 0x80
    mbr[446 + 4] = 0xcd
    mbr.writeUInt32LE(64, 446 + 8)
    mbr.writeUInt32LE(isoSize / 512 - 64, 446 + 12)
    mbr.writeUInt16LE(0xaa55, 510)
    fs.writeFileSync(iso, Buffer.concat([mbr, Buffer.alloc(isoSize - 512, 0x5a)]))
    const isoHash = sha256File(iso, isoSize).sha256
    const record = {
      path: iso,
      sha256: isoHash,
      size: isoSize,
      source: '/var/tmp/original.iso',
      sourceSha256: '0'.repeat(64),
      volumeId: 'HSC-GUEST',
      addedArgs: ['rd.live.overlay=LABEL=hsc-persist', 'rd.live.overlay.overlayfs'],
      persist: { label: 'hsc-persist', sizeBytes: 32 * 1024 * 1024 },
      editedConfigs: ['/boot/grub2/grub.cfg'],
      createdAt: new Date().toISOString()
    }
    fs.writeFileSync(`${iso}.customised.json`, JSON.stringify(record))
    const write = await hsc(['write', iso, A, '--sha256', isoHash, '--yes', '--json'])
    await sh(['udevadm', 'settle', '--timeout=30'])
    const persist = await hsc(['customise', 'persist', iso, A, '--json'])
    await sh(['udevadm', 'settle', '--timeout=30'])
    return {
      device: A,
      writeCode: write.code,
      writeStderr: write.stderr.slice(-1500),
      code: persist.code,
      result: json(persist.stdout),
      stderr: persist.stderr.slice(-1500),
      lsblk: json((await sh(['lsblk', '-J', '-b', '-o', 'NAME,FSTYPE,LABEL,START,SIZE', A])).stdout),
      // Byte offsets where the stick's first isoSize bytes differ from the image (at most 64).
      imageDiff: (() => {
        const fd = fs.openSync(A, 'r')
        const onStick = Buffer.alloc(isoSize)
        try {
          fs.readSync(fd, onStick, 0, isoSize, 0)
        } finally {
          fs.closeSync(fd)
        }
        const image = fs.readFileSync(iso)
        const diff = []
        for (let i = 0; i < isoSize && diff.length < 64; i++) if (onStick[i] !== image[i]) diff.push(i)
        return diff
      })()
    }
  })

  await check('drives.write.eject', async () => {
    const r = await hsc(['write', img, A, '--sha256', imgHash, '--eject', '--yes', '--json'])
    await sh(['udevadm', 'settle', '--timeout=30'])
    const after = json((await hsc(['drives', 'list', '--json'])).stdout)
    return {
      device: A,
      code: r.code,
      job: json(r.stdout),
      stderr: r.stderr.slice(-1500),
      after: after?.drives?.filter((d) => d.serial === 'HSCSTICKA').map(brief) ?? null,
      drivePaths: await udisksDrivePaths()
    }
  })

  await check('drives.write.poweroff', async () => {
    const before = await udisksDrivePaths()
    const r = await hsc(['write', img, B, '--sha256', imgHash, '--power-off', '--yes', '--json'])
    // udisksd removes the Drive object when udev reports the device gone: wait for that.
    for (let i = 0; i < 60 && (await udisksDrivePaths()).some((p) => p.includes('HSCSTICKB')); i++) await sleep(500)
    const after = json((await hsc(['drives', 'list', '--json'])).stdout)
    return {
      device: B,
      code: r.code,
      job: json(r.stdout),
      stderr: r.stderr.slice(-1500),
      drivePathsBefore: before,
      drivePathsAfter: await udisksDrivePaths(),
      serialsAfter: after?.drives?.map((d) => d.serial) ?? null,
      blockGone: !fs.existsSync(`/sys/class/block/${B.replace('/dev/', '')}`)
    }
  })
}

async function main() {
  emit({ type: 'hello', uptime: Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) })

  // Setup: an unprivileged user and a swap file (so the inspector's swap check has swap to find).
  await sh(['useradd', '--create-home', '--uid', '1500', '--user-group', USER])
  await sh(['fallocate', '-l', '64M', '/swapfile'])
  fs.chmodSync('/swapfile', 0o600)
  await sh(['mkswap', '/swapfile'])
  await sh(['swapon', '/swapfile'])

  await check('boot', async () => ({
    pid1: fs.readFileSync('/proc/1/comm', 'utf8').trim(),
    systemState: (await sh(['systemctl', 'is-system-running'])).stdout.trim(),
    failedUnits: (await sh(['systemctl', '--failed', '--no-legend', '--plain'])).stdout.trim(),
    kernel: (await sh(['uname', '-r'])).stdout.trim(),
    uptime: Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  }))

  // The inspector, systemd/polkit and UDisks2 are independent: run the groups side by side.
  await Promise.all([inspectChecks(), oomdChecks(), driveChecks()])

  emit({
    type: 'log',
    msg: (await sh(['journalctl', '-b', '--no-pager', '-o', 'short-monotonic', '-u', 'udisks2', '-u', 'polkit', '-u', 'systemd-oomd'])).stdout.slice(-20000)
  })
  emit({ type: 'done', seconds: Math.round((Date.now() - started) / 1000) })
}

main()
  .catch((err) => emit({ type: 'fatal', error: String(err?.stack ?? err) }))
  .finally(() => fs.closeSync(tty))
