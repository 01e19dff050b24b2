/**
 * Which proxy a mirror URL goes through: the proxy setting when set ('direct' = none), else
 * the usual environment variables (https_proxy / http_proxy and their upper-case forms, with
 * no_proxy / NO_PROXY exceptions), as curl and dnf read them. Only http:// proxies: https
 * targets are tunnelled through them with CONNECT, so TLS still ends at the mirror.
 */

type Env = Readonly<Record<string, string | undefined>>

export interface ProxyChoice {
  /** The proxy's URL (http:), or undefined for a direct connection. */
  proxy?: URL
  /** Where the choice came from, for messages: "https_proxy", "Settings", "no_proxy", ... */
  from: string
}

const pick = (env: Env, lower: string): { value: string; name: string } | undefined => {
  for (const name of [lower, lower.toUpperCase()]) {
    const v = env[name]?.trim()
    if (v) return { value: v, name }
  }
  return undefined
}

function parseProxy(value: string, from: string): URL {
  let u: URL
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    throw new TypeError(`the proxy ${from} (${value.replace(/\/\/[^@/]*@/, '//…@')}) is not a URL`)
  }
  if (u.protocol !== 'http:')
    throw new TypeError(
      `the proxy ${from} uses ${u.protocol.replace(':', '')}; only http:// proxies are supported (https mirrors go through them with CONNECT)`
    )
  return u
}

/** no_proxy entries: "*", host names (a leading dot or not: subdomains match), host:port, IPs. */
export function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry)
    if (!m) continue
    const name = m[1].replace(/^\[(.*)\]$/, '$1').replace(/^\*?\./, '')
    if (m[2] && m[2] !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}

export function chooseProxy(target: URL, setting: string, env: Env): ProxyChoice {
  if (setting === 'direct') return { from: 'Settings (direct)' }
  if (setting) return { proxy: parseProxy(setting, 'in Settings'), from: 'Settings' }
  const np = pick(env, 'no_proxy')
  if (np && bypassed(target, np.value)) return { from: np.name }
  const chosen = target.protocol === 'https:' ? (pick(env, 'https_proxy') ?? pick(env, 'all_proxy')) : (pick(env, 'http_proxy') ?? pick(env, 'all_proxy'))
  if (!chosen) return { from: 'no proxy configured' }
  return { proxy: parseProxy(chosen.value, `in ${chosen.name}`), from: chosen.name }
}

/** "Proxy-Authorization: Basic ..." for a proxy URL with user info. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return `Basic ${Buffer.from(creds).toString('base64')}`
}

/** The proxy as shown to people: no credentials. */
export const shownProxy = (proxy: URL): string => `${proxy.protocol}//${proxy.host}`
