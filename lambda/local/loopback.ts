/**
 * Whether a listen address is reachable from this machine only. Anything else (the container's
 * 0.0.0.0, a LAN address) exposes the server to the network.
 *
 * @example isLoopbackHost('0.0.0.0') // false
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '::ffff:127.0.0.1' || /^127(\.\d{1,3}){3}$/.test(host);
}
