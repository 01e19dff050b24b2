import { describe, expect, it } from 'vitest'
import { DBusError } from 'dbus-next'
import { ioError, udisksError } from '../../src/main/services/drives/errors'

// As root (CI) polkit never says no, so the mapping of UDisks2's refusals is checked on the
// real dbus-next error class with the error names UDisks2 2.9 sends.
describe('error mapping', () => {
  it('polkit refusal or dismissal is "authorization declined", nothing written', () => {
    for (const name of [
      'org.freedesktop.UDisks2.Error.NotAuthorizedDismissed',
      'org.freedesktop.UDisks2.Error.NotAuthorizedCanObtain',
      'org.freedesktop.UDisks2.Error.NotAuthorized'
    ]) {
      const e = udisksError(new DBusError(name, 'Not authorized to perform operation'), 'open for writing', 'open', '/dev/sdb')
      expect(e).toMatchObject({ name: 'AuthorizationDeclined', stage: 'open' })
      expect(e.message).toMatch(/Authorization declined.*\/dev\/sdb/)
      expect(e.hint).toMatch(/Nothing was written/)
    }
  })
  it('busy devices and vanished objects', () => {
    expect(
      udisksError(
        new DBusError('org.freedesktop.UDisks2.Error.Failed', 'Error opening /dev/sdb: Device or resource busy'),
        'open for writing',
        'open',
        '/dev/sdb'
      )
    ).toMatchObject({ name: 'DeviceBusy' })
    expect(
      udisksError(new DBusError('org.freedesktop.UDisks2.Error.DeviceBusy', 'target is busy'), 'unmount /run/media/a/X on', 'unmount', '/dev/sdb')
    ).toMatchObject({ name: 'DeviceBusy', stage: 'unmount' })
    expect(udisksError(new DBusError('org.freedesktop.DBus.Error.UnknownObject', 'No such object path'), 'open for writing', 'open', '/dev/sdb')).toMatchObject(
      { name: 'DriveRemoved' }
    )
  })
  it('errno from the drive names stage and offset', () => {
    const at = 5 * 1024 * 1024
    expect(ioError(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 'write', '/dev/sdb', at)).toMatchObject({
      name: 'IOError',
      stage: 'write',
      offset: at
    })
    expect(ioError(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }), 'write', '/dev/sdb', at).message).toMatch(
      /no space left during write at byte 5242880 \(5\.0 MiB\)/
    )
    expect(ioError(Object.assign(new Error('ENODEV'), { code: 'ENODEV' }), 'verify', '/dev/sdb', at)).toMatchObject({
      name: 'DriveRemoved',
      stage: 'verify',
      offset: at
    })
  })
})
