import type { Mail } from './mailer';

// What the portal mails. Each carries nothing personal but the recipient's own address: no
// name, no subject id, no data; links lead to pages that ask for sign-in.

export const signInCodeMail = (to: string, code: string): Mail => ({
  to,
  subject: `Your sign-in code: ${code}`,
  text: [
    `Your code to sign in to your privacy dashboard is ${code}.`,
    'It works for 10 minutes. If you did not ask for it, ignore this mail: nothing happens without the code.',
  ].join('\n\n'),
});

export const erasureReceivedMail = (to: string, statusUrl: string): Mail => ({
  to,
  subject: 'We have received your request to delete your account',
  text: [
    'We have received your request to delete your account and all of your personal data.',
    `Follow it here while you are signed in: ${statusUrl}`,
    'We will write once more, to this address, when it is complete. After that we no longer have it.',
  ].join('\n\n'),
});

export const erasureCompletedMail = (to: string, digest: string, statusUrl: string): Mail => ({
  to,
  subject: 'Your account has been deleted',
  text: [
    'Your account and personal data have been deleted from every system that held them.',
    `The erasure certificate's digest is ${digest}. Keep it: it identifies the certificate exactly.`,
    `While your session lasts, the certificate is at ${statusUrl}.`,
    'This was the last mail to this address: it is now deleted too.',
  ].join('\n\n'),
});

export const exportReadyMail = (to: string, expiresAt: string, pageUrl: string): Mail => ({
  to,
  subject: 'Your copy of your data is ready',
  text: [
    'The copy of your personal data you asked for is ready.',
    `Sign in to download it: ${pageUrl}`,
    `It is kept until ${new Date(expiresAt).toUTCString()}, then deleted.`,
  ].join('\n\n'),
});

export const inactivityNoticeMail = (to: string, expiresAt: number, keepUrl: string): Mail => ({
  to,
  subject: 'Your account will be deleted in 30 days unless you keep it',
  text: [
    `You have not used your account for a long time. Under our privacy policy it and its data will be deleted on ${new Date(expiresAt).toUTCString()}.`,
    `To keep your account, open this link and press Keep my account: ${keepUrl}`,
    'If you do nothing, it is deleted on that date.',
  ].join('\n\n'),
});
