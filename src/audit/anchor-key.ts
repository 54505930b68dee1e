/**
 * The Ed25519 key that signs audit anchors. It lives in a file outside the database (created
 * 0600 on first start, public key beside it as `<path>.pub`), so someone who can rewrite the
 * audit table cannot also forge the anchors that pin its head.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../config.js';

/** A signing key pair; `publicKeyPem` is what an admin keeps elsewhere to check anchors. */
export interface AnchorKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

/** The key file cannot be created or read, or is not an Ed25519 private key: start-up stops with this. */
export class AnchorKeyError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'AnchorKeyError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Where the anchor key and log are, with their defaults under DATA_DIR. */
export function anchorPaths(config: Pick<Config, 'AUDIT_ANCHOR_KEY' | 'AUDIT_ANCHOR_LOG' | 'dataDir'>): {
  keyPath: string;
  logPath: string;
} {
  return {
    keyPath: path.resolve(config.AUDIT_ANCHOR_KEY ?? path.join(config.dataDir, 'audit-anchor.key')),
    logPath: path.resolve(config.AUDIT_ANCHOR_LOG ?? path.join(config.dataDir, 'audit-anchors.jsonl')),
  };
}

/** Where the public key of `keyPath` is kept. */
export function publicKeyPath(keyPath: string): string {
  return `${keyPath}.pub`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads the key at `keyPath`, creating it (0600) and its public key on first start. */
export function loadOrCreateAnchorKey(keyPath: string): AnchorKey {
  if (!existsSync(keyPath)) {
    try {
      mkdirSync(path.dirname(keyPath), { recursive: true });
      const pair = generateKeyPairSync('ed25519');
      writeFileSync(keyPath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      chmodSync(keyPath, 0o600);
      writeFileSync(publicKeyPath(keyPath), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    } catch (error) {
      throw new AnchorKeyError(`AUDIT_ANCHOR_KEY: cannot create the anchor signing key at ${keyPath}: ${reason(error)}`, { cause: error });
    }
  }
  let text: string;
  try {
    text = readFileSync(keyPath, 'utf8');
  } catch (error) {
    throw new AnchorKeyError(`AUDIT_ANCHOR_KEY: cannot read the anchor signing key at ${keyPath}: ${reason(error)}`, { cause: error });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch (error) {
    throw new AnchorKeyError(`AUDIT_ANCHOR_KEY: ${keyPath} is not a PEM private key: ${reason(error)}`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AnchorKeyError(`AUDIT_ANCHOR_KEY: ${keyPath} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 key`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(publicKeyPath(keyPath))) {
    try {
      writeFileSync(publicKeyPath(keyPath), publicKeyPem, { mode: 0o644 });
    } catch (error) {
      throw new AnchorKeyError(`AUDIT_ANCHOR_KEY: cannot write the public key beside ${keyPath}: ${reason(error)}`, { cause: error });
    }
  }
  return { privateKey, publicKey, publicKeyPem };
}
