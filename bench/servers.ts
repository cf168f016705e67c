// The servers a bench talks to, found the way the tests find them (the environment, else the
// local stack as the `admin` principal, with its TLS and credentials).
import { resolveServers, type Servers } from '../test/src/servers';

let found: Promise<Servers> | undefined;

export function benchServers(): Promise<Servers> {
  found ??= resolveServers();
  return found;
}
