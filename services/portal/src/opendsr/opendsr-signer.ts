import { createPrivateKey, sign, X509Certificate } from 'node:crypto';

// OpenDSR answers and callbacks are signed with a key whose certificate a trusted CA issued to
// the processor's domain (specification section 4); controllers fetch the certificate from the
// URL discovery names and check the signature over the raw body before parsing it. By default
// this is the portal's own TLS key and certificate: the domain the controller already trusts.

export interface OpenDsrSigner {
  /** The domain the certificate is issued to (X-OpenDSR-Processor-Domain). */
  readonly domain: string;
  /** The certificate chain, PEM, as discovery's processor_certificate serves it. */
  readonly certificatePem: string;
  /** Base64 signature over exactly these bytes (SHA-256 with the key's own algorithm). */
  sign(body: string): string;
  /** The headers every signed answer and callback carries, under the current and legacy names. */
  headers(body: string): Record<string, string>;
}

export function openDsrSigner(settings: {
  domain: string;
  certificatePem: string;
  keyPem: string;
}): OpenDsrSigner {
  const key = createPrivateKey(settings.keyPem);
  const leaf = new X509Certificate(settings.certificatePem);
  if (!leaf.checkPrivateKey(key))
    throw new Error('the OpenDSR signing key does not belong to its certificate');
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signBody = (body: string) => sign(algorithm, Buffer.from(body, 'utf8'), key).toString('base64');
  return {
    domain: settings.domain,
    certificatePem: settings.certificatePem,
    sign: signBody,
    headers(body) {
      const signature = signBody(body);
      return {
        'x-opendsr-processor-domain': settings.domain,
        'x-opendsr-signature': signature,
        // Section 10.1: the OpenGDPR names are honoured too.
        'x-opengdpr-processor-domain': settings.domain,
        'x-opengdpr-signature': signature,
      };
    },
  };
}
