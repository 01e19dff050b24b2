import { describe, expect, it } from 'vitest'
import { alterArgs, editBootConfig, splitArgs, udevEscape } from '../../src/main/services/customise/boot-config'
import { addedArgs, streamOf } from '../../src/main/services/customise/service'

describe('boot configuration edits (mkksiso rules)', () => {
  it('adds the arguments to every grub kernel line (linux, linuxefi) and nothing else', () => {
    const cfg = [
      "set default='0'",
      "menuentry 'Start' {",
      '\tlinuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=CentOS-Stream-9 rd.live.image quiet',
      '\tinitrdefi /images/pxeboot/initrd.img',
      '}',
      "menuentry 'Rescue' {",
      '    linux /vmlinuz inst.stage2=hd:LABEL=X inst.ks=hd:LABEL=OLD:/old.ks',
      '}',
      '# linux /not/a/kernel in a comment',
      ''
    ].join('\n')
    const r = editBootConfig(cfg, 'grub', ['psi=1', 'inst.ks=hd:LABEL=X:/a.ks'])
    expect(r.changed).toBe(2)
    const lines = r.text.split('\n')
    expect(lines[2]).toBe('\tlinuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=CentOS-Stream-9 rd.live.image quiet psi=1 inst.ks=hd:LABEL=X:/a.ks')
    // An argument the customisation sets replaces the old value instead of adding a second one.
    expect(lines[6]).toBe('    linux /vmlinuz inst.stage2=hd:LABEL=X psi=1 inst.ks=hd:LABEL=X:/a.ks')
    expect(lines.filter((_, i) => i !== 2 && i !== 6)).toEqual(cfg.split('\n').filter((_, i) => i !== 2 && i !== 6))
  })

  it('edits isolinux append lines that load an initrd, keeps CRLF and quoted values', () => {
    const cfg = ['label linux', '  kernel vmlinuz', '  append initrd=initrd.img root=live:CDLABEL="My Live" quiet\r', 'label local', '  append -', ''].join(
      '\n'
    )
    const r = editBootConfig(cfg, 'isolinux', ['psi=1'])
    expect(r.changed).toBe(1)
    expect(r.text.split('\n')[2]).toBe('  append initrd=initrd.img root=live:CDLABEL="My Live" quiet psi=1\r')
    expect(r.text.split('\n')[4]).toBe('  append -')
  })

  it('splits on blanks outside double quotes', () => {
    expect(splitArgs(' a  b="c d"\te ')).toEqual(['a', 'b="c d"', 'e'])
    expect(alterArgs(['a=1', 'b', 'a=2'], ['a=3'])).toEqual(['b', 'a=3'])
  })

  it('escapes volume ids the way udev names labels, and reads the stream from them', () => {
    expect(udevEscape('CentOS Stream 9 x86_64')).toBe('CentOS\\x20Stream\\x209\\x20x86_64')
    expect(streamOf('CentOS-Stream-10-BaseOS-x86_64')).toBe('10')
    expect(streamOf('Hyperscale-Live')).toBe('9')
    expect(addedArgs({ kernelArgs: ['psi=1'], persist: { label: 'p', sizeBytes: 0 }, kickstart: { source: 'generated' } }, 'A B')).toEqual([
      'rd.live.overlay=LABEL=p',
      'rd.live.overlay.overlayfs',
      'inst.ks=hd:LABEL=A\\x20B:/hyperscale-companion.ks',
      'psi=1'
    ])
  })
})
