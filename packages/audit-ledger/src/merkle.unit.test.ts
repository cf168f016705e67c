import {
  consistencyProof,
  MerkleFrontier,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

// Certificate Transparency's reference tree (RFC 6962's test data): eight leaves and the root of
// each prefix of them.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));

describe('the ledger Merkle tree (RFC 9162)', () => {
  it("gives Certificate Transparency's roots for its reference leaves", () => {
    const hashed = LEAVES.map((hex) => leafHash(Buffer.from(hex, 'hex')));
    expect(ROOTS.map((_, i) => rootOf(hashed.slice(0, i + 1)).toString('hex'))).toEqual(ROOTS);
  });

  it('proves every leaf of every tree up to 40 leaves, and nothing else', () => {
    for (let size = 1; size <= 40; size += 1) {
      const tree = leaves(size);
      const root = rootOf(tree);
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(tree, index);
        expect(verifyInclusion(tree[index]!, index, size, proof, root)).toBe(true);
        expect(verifyInclusion(leafHash(Buffer.from('other')), index, size, proof, root)).toBe(false);
        if (size > 1) {
          expect(verifyInclusion(tree[index]!, (index + 1) % size, size, proof, root)).toBe(false);
          expect(verifyInclusion(tree[index]!, index, size, proof.slice(1), root)).toBe(false);
        }
      }
    }
  });

  it('proves every tree up to 40 leaves grew from each of its prefixes, and not from another tree', () => {
    for (let size = 1; size <= 40; size += 1) {
      const tree = leaves(size);
      const root = rootOf(tree);
      for (let old = 1; old <= size; old += 1) {
        const oldRoot = rootOf(tree.slice(0, old));
        const proof = consistencyProof(tree, old);
        expect(verifyConsistency(old, size, proof, oldRoot, root)).toBe(true);
        // A head that was not this tree's prefix: a rewritten history.
        const forked = rootOf([...tree.slice(0, old - 1), leafHash(Buffer.from('rewritten'))]);
        expect(verifyConsistency(old, size, proof, forked, root)).toBe(false);
      }
    }
  });

  it('keeps the root of a growing tree from its right edge alone', () => {
    const tree = leaves(70);
    const frontier = MerkleFrontier.empty();
    for (let size = 1; size <= tree.length; size += 1) {
      frontier.append(tree[size - 1]!);
      expect([frontier.size, frontier.root().toString('hex')]).toEqual([
        size,
        rootOf(tree.slice(0, size)).toString('hex'),
      ]);
    }
  });
});
