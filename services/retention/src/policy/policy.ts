import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';

import { parseDuration } from '@lethe/service-kit';

/** What every clock of the policy has: its sentence, its period, what it erases. */
interface ClockBase {
  readonly id: string;
  readonly says: string;
  readonly expiresAfterMs: number;
  readonly noticeBeforeMs: number | null;
  readonly erase: ErasureScope;
}

/** One reason to keep data, and when it stops holding (DESIGN.md section 6). */
export type ClockPolicy =
  /** Runs from the account's last activity; each activity starts it again. */
  | (ClockBase & { readonly kind: 'inactivity' })
  /** Runs from the account's deactivation; a reactivation stops it. */
  | (ClockBase & { readonly kind: 'deactivation' })
  /**
   * Runs from the account's erasure: what an erasure keeps under a legal obligation (the closed
   * consent ledger, proof of consent) is erased when the obligation ends. `basis` is the legal
   * basis for keeping it until then, stated on every certificate.
   */
  | (ClockBase & { readonly kind: 'after-erasure'; readonly basis: string; readonly noticeBeforeMs: null })
  /** Runs once none of these purposes is granted any more; a new grant stops it. */
  | (ClockBase & { readonly kind: 'consent'; readonly whileAnyGranted: readonly string[] });

export interface ErasureScope {
  readonly all: boolean;
  readonly categories: readonly string[];
  /**
   * A whole-account erasure keeps what a consent clock still keeps: the categories of every
   * consent clock with a purpose granted when it expires (the marketing contact of a subject who
   * still wants marketing). They then follow their own clock.
   */
  readonly keepWhileConsented: boolean;
}

export interface RetentionPolicy {
  readonly version: string;
  /** sha256 of the file's bytes: the activation event names exactly what was activated. */
  readonly digest: string;
  readonly clocks: readonly ClockPolicy[];
  readonly legalHoldsBlockErasure: boolean;
  readonly llmProviderRetentionMs: number;
  readonly keepAnonymousData: boolean;
  readonly file: string;
}

export const SEED_POLICY_FILE = path.resolve(__dirname, '..', '..', 'policies', 'seed-policy.v1.json');

/** A policy that cannot be used; the message names the file and line. */
export class PolicyInvalid extends Error {
  override readonly name = 'PolicyInvalid';
  readonly code = 'RETENTION_POLICY_INVALID';
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Reads, checks and returns a policy; anything wrong stops here with `<file>:<line>: <why>`. */
export function loadPolicy(file: string = SEED_POLICY_FILE): RetentionPolicy {
  const text = readFileSync(file, 'utf8');
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const fail = (node: Node | undefined, why: string): never => {
    throw new PolicyInvalid(`${file}:${lineOf(text, node?.offset ?? 0)}: ${why}`);
  };
  if (errors.length > 0 || !root)
    throw new PolicyInvalid(
      `${file}:${lineOf(text, errors[0]?.offset ?? 0)}: not JSON (${printParseErrorCode(errors[0]?.error ?? 1)})`,
    );
  const at = (...pathTo: (string | number)[]) => findNodeAtLocation(root, pathTo);
  const value = (node: Node | undefined): unknown => (node ? getNodeValue(node) : undefined);
  const str = (pathTo: (string | number)[], what: string, parent: Node | undefined = root) => {
    const node = at(...pathTo);
    if (node?.type !== 'string' || !(node.value as string).trim())
      fail(node ?? parent, `${what} must be a non-empty string`);
    return node!.value as string;
  };
  const duration = (pathTo: (string | number)[], what: string, parent: Node | undefined) => {
    const node = at(...pathTo);
    const ms = node?.type === 'string' ? parseDuration(node.value as string) : undefined;
    if (ms === undefined) fail(node ?? parent, `${what} must be a duration such as "30d", "12h", "90s"`);
    return ms!;
  };

  const version = str(['version'], '"version"');
  const clocksNode = at('clocks');
  if (clocksNode?.type !== 'array' || !clocksNode.children?.length)
    fail(clocksNode ?? root, '"clocks" must be a non-empty list');
  const ids = new Set<string>();
  const clocks = clocksNode!.children!.map((clockNode, index): ClockPolicy => {
    const where = `clocks[${index}]`;
    if (clockNode.type !== 'object') fail(clockNode, `${where} must be an object`);
    const id = str(['clocks', index, 'id'], `${where}.id`, clockNode);
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(id))
      fail(at('clocks', index, 'id'), `${where}.id must be lowercase letters, digits and dashes`);
    if (ids.has(id)) fail(at('clocks', index, 'id'), `${where}.id "${id}" is used twice`);
    ids.add(id);
    const says = str(['clocks', index, 'says'], `${where}.says (the policy sentence it enforces)`, clockNode);
    const expiresAfterMs = duration(['clocks', index, 'expiresAfter'], `${where}.expiresAfter`, clockNode);
    const noticeNode = at('clocks', index, 'noticeBefore');
    const noticeBeforeMs = noticeNode
      ? duration(['clocks', index, 'noticeBefore'], `${where}.noticeBefore`, clockNode)
      : null;
    if (noticeBeforeMs !== null && noticeBeforeMs >= expiresAfterMs)
      fail(noticeNode, `${where}.noticeBefore must be shorter than expiresAfter`);
    const eraseNode = at('clocks', index, 'erase');
    const erase = value(eraseNode) as
      { all?: unknown; categories?: unknown; keepWhileConsented?: unknown } | undefined;
    const all = erase?.all === true;
    const categories = Array.isArray(erase?.categories) ? (erase.categories as unknown[]) : [];
    if (!erase || (!all && (categories.length === 0 || !categories.every((c) => typeof c === 'string'))))
      fail(eraseNode ?? clockNode, `${where}.erase must be {"all": true} or {"categories": ["..."]}`);
    const keepNode = at('clocks', index, 'erase', 'keepWhileConsented');
    if (keepNode && (keepNode.type !== 'boolean' || (keepNode.value === true && !all)))
      fail(keepNode, `${where}.erase.keepWhileConsented must be true or false, and only with "all": true`);
    const scope = {
      all,
      categories: all ? [] : (categories as string[]),
      keepWhileConsented: erase?.keepWhileConsented === true,
    };
    const kindNode = at('clocks', index, 'kind');
    const kind = value(kindNode);
    if (kind === 'inactivity' || kind === 'deactivation')
      return { id, says, kind, expiresAfterMs, noticeBeforeMs, erase: scope };
    if (kind === 'after-erasure') {
      const basis = str(
        ['clocks', index, 'basis'],
        `${where}.basis (the legal basis for keeping)`,
        clockNode,
      );
      if (scope.all)
        fail(eraseNode, `${where}.erase must name categories: the account itself is already erased`);
      if (noticeBeforeMs !== null) fail(noticeNode, `${where}.noticeBefore: nobody is left to notify`);
      return { id, says, kind, basis, expiresAfterMs, noticeBeforeMs: null, erase: scope };
    }
    if (kind === 'consent') {
      const purposesNode = at('clocks', index, 'whileAnyGranted');
      const purposes = value(purposesNode);
      if (!Array.isArray(purposes) || purposes.length === 0 || !purposes.every((p) => typeof p === 'string'))
        fail(purposesNode ?? clockNode, `${where}.whileAnyGranted must list consent purposes`);
      return {
        id,
        says,
        kind,
        whileAnyGranted: purposes as string[],
        expiresAfterMs,
        noticeBeforeMs,
        erase: scope,
      };
    }
    return fail(
      kindNode ?? clockNode,
      `${where}.kind must be "inactivity", "deactivation", "consent" or "after-erasure"`,
    );
  });
  const blocks = value(at('legalHolds', 'blockErasure'));
  if (blocks !== true)
    fail(
      at('legalHolds', 'blockErasure') ?? at('legalHolds') ?? root,
      '"legalHolds.blockErasure" must be true: a hold always blocks erasure',
    );
  return {
    version,
    digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    clocks,
    legalHoldsBlockErasure: true,
    llmProviderRetentionMs: duration(['llmProviders', 'retention'], '"llmProviders.retention"', root),
    keepAnonymousData: value(at('anonymousData', 'keep')) === true,
    file,
  };
}
