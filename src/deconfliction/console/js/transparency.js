// The transparency log checked in the browser, with WebCrypto only (SHA-256, Ed25519): a signed
// tree head against the log's key, an RFC 9162 consistency proof between two heads, a receipt's
// inclusion proof. The same algorithms and bytes as engine/ledger/merkle.py and signing.py (the
// browser tests hold the two to the same answers); every check returns a boolean and never throws
// on bad input, so whatever a server sent can be fed to it.
//
// A signed tree head is {tree_size, root_hash (hex), timestamp_ms, kid, sig (base64url)}; the
// signature covers the RFC 8785 canonical form of
// {"ctx": "deconfliction/tree-head/v1", "tree_size", "root_hash", "timestamp_ms"}, and `kid` is
// the RFC 7638 thumbprint of the log's Ed25519 key (served at GET /v1/ledger/key as base64url).

export const TREE_HEAD_CTX = 'deconfliction/tree-head/v1';
export const HASH_SIZE = 32;

/** WebCrypto exists only in a secure context (HTTPS, or plain HTTP on 127.0.0.1 or localhost). */
export function available() {
  return typeof crypto !== 'undefined' && !!crypto.subtle && globalThis.isSecureContext !== false;
}

// --- encodings ---

export function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Strict unpadded (or padded) base64url, as signing.b64url_decode: null for anything else. */
export function b64urlDecode(text) {
  if (typeof text !== 'string') return null;
  const stripped = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(stripped) || stripped.length % 4 === 1) return null;
  let binary;
  try {
    binary = atob(stripped.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (stripped.length % 4)) % 4));
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return b64urlEncode(bytes) === stripped ? bytes : null; // non-canonical trailing bits
}

export function b64urlEncode(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function equal(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const isHash = (x) => x instanceof Uint8Array && x.length === HASH_SIZE;
const isSize = (n) => Number.isSafeInteger(n) && n >= 0;
// Sizes go up to 2**53, beyond JavaScript's 32-bit bitwise operators: halve with Math.floor
// (exact for integers) and find powers of two by doubling.
function isPowerOfTwo(n) {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

// --- RFC 9162 hashing (section 2.1.1) ---

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** SHA-256(0x00 || data): the hash of one leaf's bytes. */
export function leafHash(data) { return sha256(concat(Uint8Array.of(0), data)); }

/** SHA-256(0x01 || left || right): an interior node. */
export function nodeHash(left, right) { return sha256(concat(Uint8Array.of(1), left, right)); }

/** The transparency log's leaf for a ledger entry: the leaf hash of its chain hash (hex). */
export async function ledgerLeaf(entryHashHex) {
  const data = hexToBytes(entryHashHex);
  return data ? leafHash(data) : null;
}

export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// --- proofs (RFC 9162 2.1.3.2 and 2.1.4.2; merkle.verify_inclusion / verify_consistency) ---

/** Whether `path` proves that `leaf` (a leaf hash) is leaf `index` of the tree `root` of
 * `treeSize` leaves. Hashes are Uint8Array(32). */
export async function verifyInclusion(leaf, index, treeSize, path, root) {
  if (!(isSize(index) && isSize(treeSize) && index < treeSize && isHash(leaf) && isHash(root) && Array.isArray(path))) return false;
  let fn = index, sn = treeSize - 1, r = leaf;
  for (const p of path) {
    if (sn === 0 || !isHash(p)) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn !== 0 && fn % 2 === 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** Whether `path` proves that the tree `oldRoot` of `oldSize` leaves is a prefix of the tree
 * `newRoot` of `newSize` leaves. Equal sizes need an empty path and equal roots; an old size of 0
 * (the empty tree) needs an empty path. */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, path) {
  if (!(isSize(oldSize) && isSize(newSize) && oldSize <= newSize && isHash(oldRoot) && isHash(newRoot) && Array.isArray(path))) return false;
  if (oldSize === 0) return path.length === 0;
  if (oldSize === newSize) return path.length === 0 && equal(oldRoot, newRoot);
  if (!path.length || !path.every(isHash)) return false;
  const nodes = [...path];
  if (isPowerOfTwo(oldSize)) nodes.unshift(oldRoot); // the old root is itself a node of the new tree
  let fn = oldSize - 1, sn = newSize - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = nodes[0], sr = nodes[0];
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn !== 0 && fn % 2 === 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return equal(fr, oldRoot) && equal(sr, newRoot) && sn === 0;
}

/** The hashes of a proof as the server sends them (hex); null when one is not a 32-byte hash. */
export function proofFromHex(hexes) {
  if (!Array.isArray(hexes)) return null;
  const path = hexes.map(hexToBytes);
  return path.every(isHash) ? path : null;
}

// --- the log's key and signed tree heads (signing.SignedTreeHead) ---

/** The log key from GET /v1/ledger/key: {alg, kid, public_key}, checked to be a 32-byte Ed25519
 * key whose RFC 7638 thumbprint is `kid`; {key: CryptoKey, kid, publicKey} or null. */
export async function importLogKey(json) {
  if (!json || json.alg !== 'Ed25519') return null;
  const raw = b64urlDecode(json.public_key);
  if (!raw || raw.length !== 32) return null;
  const kid = await keyId(json.public_key);
  if (json.kid !== undefined && json.kid !== kid) return null;
  try {
    const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    return { key, kid, publicKey: json.public_key };
  } catch {
    return null;
  }
}

/** The RFC 7638 JWK thumbprint of an Ed25519 key given as base64url (signing.key_id). */
export async function keyId(publicKeyB64) {
  const jwk = `{"crv":"Ed25519","kty":"OKP","x":${JSON.stringify(publicKeyB64)}}`; // members sorted (RFC 8785)
  return b64urlEncode(await sha256(new TextEncoder().encode(jwk)));
}

/** The bytes a tree head's signature covers: canonical({ctx, tree_size, root_hash, timestamp_ms}),
 * members in RFC 8785 order (ctx, root_hash, timestamp_ms, tree_size); integers below 2**53 are
 * written as ECMAScript writes them, which is what RFC 8785 asks. */
export function treeHeadSigningInput(treeSize, rootHex, timestampMs) {
  return new TextEncoder().encode(`{"ctx":${JSON.stringify(TREE_HEAD_CTX)},"root_hash":${JSON.stringify(rootHex)},`
    + `"timestamp_ms":${timestampMs},"tree_size":${treeSize}}`);
}

/** A tree head as sent, checked for form: {treeSize, root (bytes), rootHex, timestampMs, kid, sig} or null. */
export function parseTreeHead(json) {
  if (!json || typeof json !== 'object') return null;
  const { tree_size: treeSize, root_hash: rootHex, timestamp_ms: timestampMs, kid, sig } = json;
  if (!isSize(treeSize) || !isSize(timestampMs) || typeof kid !== 'string') return null;
  if (typeof rootHex !== 'string' || rootHex.length !== 2 * HASH_SIZE) return null;
  const root = hexToBytes(rootHex);
  const signature = b64urlDecode(sig);
  if (!root || !signature) return null;
  return { treeSize, root, rootHex: rootHex.toLowerCase(), timestampMs, kid, signature };
}

/** Whether the tree head `json` is signed by the log key `logKey` (from importLogKey) over its
 * size, root and time (SignedTreeHead.verify). */
export async function verifyTreeHead(json, logKey) {
  const head = parseTreeHead(json);
  if (!head || !logKey || head.kid !== logKey.kid || head.signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, logKey.key, head.signature,
      treeHeadSigningInput(head.treeSize, head.rootHex, head.timestampMs));
  } catch {
    return false;
  }
}

/** Both heads signed by the log key and `newJson` extends `oldJson` by the proof (hex hashes
 * from GET /v1/ledger/consistency): signing.verify_consistency_between. */
export async function verifyConsistencyBetween(oldJson, newJson, proofHex, logKey) {
  const path = proofFromHex(proofHex);
  const [a, b] = [parseTreeHead(oldJson), parseTreeHead(newJson)];
  if (!path || !a || !b) return false;
  return (await verifyTreeHead(oldJson, logKey)) && (await verifyTreeHead(newJson, logKey))
    && verifyConsistency(a.treeSize, b.treeSize, a.root, b.root, path);
}

/** Whether a receipt {leaf_index, inclusion_path (hex), tree_head} proves that `leaf` (a leaf
 * hash, see ledgerLeaf) is in the tree its head commits to, and the head is signed by the log
 * key (signing.Receipt.verify). */
export async function verifyReceipt(receipt, leaf, logKey) {
  if (!receipt || typeof receipt !== 'object') return false;
  const head = parseTreeHead(receipt.tree_head);
  const path = proofFromHex(receipt.inclusion_path);
  if (!head || !path) return false;
  return (await verifyTreeHead(receipt.tree_head, logKey))
    && verifyInclusion(leaf, receipt.leaf_index, head.treeSize, path, head.root);
}
