export {
  createFieldCipher,
  ERASED,
  fieldAssociatedData,
  type Decrypted,
  type FieldAddress,
  type FieldCipher,
} from './field-cipher';
export {
  createKeyVault,
  createKeyVaultReader,
  forgottenId,
  KEY_VAULT_COLLECTIONS,
  rewrapSubjectKeys,
  type RewrapReport,
  type KeyLookup,
  type KeyVault,
  type KeyVaultReader,
  type KeyVaultDeps,
  type ShredEvidence,
} from './key-vault';
export { kekRing, localKek, type KeyEncryptionKey } from './kek';
export { awsKmsKek } from './aws-kms-kek';
export { keyEncryptionKeyFrom, type KekSettings } from './kek-settings';
export { CryptoError, CRYPTO_ERROR_CODES, type CryptoErrorCode } from './errors';
export {
  generateSealingKeys,
  legacySealingAccepted,
  legacySealingUntilFrom,
  LEGACY_SEALING_UNTIL_DEFAULT,
  openSealed,
  openSealedField,
  sealingPrivateKeyFrom,
  sealingPublicKeyFrom,
  sealFieldTo,
  sealTo,
  sealToLegacyV1,
  SEALED_BOX_INFO,
  type OpenOptions,
  type SealingKeys,
} from './sealed-box';
export {
  exportPrivateKey,
  exportPublicKeyOf,
  openExport,
  sealExport,
  type ExportAddress,
} from './export-sealing';
export {
  AES_128_GCM,
  AES_256_GCM,
  hpkeOpenBase,
  hpkeSealBase,
  x25519PrivateFromRaw,
  type HpkeAead,
  type HpkeSealed,
} from './hpke';
