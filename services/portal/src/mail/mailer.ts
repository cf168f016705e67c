import { readFileSync } from 'node:fs';

import nodemailer from 'nodemailer';

import type { SmtpSettings } from '../config';

// Mail leaves over SMTP with STARTTLS required (a server that does not offer it is refused) and
// a login; the server's certificate is checked against the deployment's CA when one is given.
// Mails carry no personal data beyond the recipient's own address (issue 14).

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function smtpMailer(settings: SmtpSettings, caFile: string | undefined): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: false,
    requireTLS: true,
    auth: { user: settings.username, pass: settings.password },
    // A server that takes the connection but never answers fails the send (and is logged) in
    // seconds; nodemailer's defaults wait up to 10 minutes on a silent socket.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    tls: caFile ? { ca: readFileSync(caFile, 'utf8') } : {},
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}
