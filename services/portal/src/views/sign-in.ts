import { html } from './html';
import { page } from './layout';
import { problemBox } from './parts';

export function signInPage(csrf: string, message?: string): string {
  return page(
    { title: 'Sign in' },
    html`<p>We send a one-time code to the email address of your account. No password is needed.</p>
      ${problemBox(message, 'email')}
      <form method="post" action="/sign-in" class="stack">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="email">Email address</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength="320"
          ${message ? html`aria-describedby="email-problem" aria-invalid="true"` : ''}
        />
        <button type="submit">Send me a code</button>
      </form>`,
  );
}

export function codePage(csrf: string, message?: string): string {
  return page(
    { title: 'Enter your code' },
    html`<p>If an account has that address, we have sent it a 6-digit code. It works for 10 minutes.</p>
      ${problemBox(message, 'code')}
      <form method="post" action="/sign-in/code" class="stack">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="code">Code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength="6"
          required
          ${message ? html`aria-describedby="code-problem" aria-invalid="true"` : ''}
        />
        <button type="submit">Sign in</button>
      </form>
      <p><a href="/sign-in">Send a new code</a></p>`,
  );
}

export function lockedPage(): string {
  return page(
    { title: 'Sign-in is locked for now' },
    html`<div class="problem" role="alert">
        <p>Too many wrong codes were entered for this address. Sign-in is locked for 15 minutes.</p>
      </div>
      <p><a href="/sign-in">Back to sign-in</a></p>`,
  );
}

export function tooManyCodesPage(): string {
  return page(
    { title: 'Too many codes asked for' },
    html`<div class="problem" role="alert">
        <p>
          Five codes were sent to this address in the last 15 minutes. Use the newest one, or try again later.
        </p>
      </div>
      <p><a href="/sign-in/code">Enter a code</a></p>`,
  );
}

export function messagePage(title: string, message: string, link = { href: '/', label: 'Back' }): string {
  return page(
    { title },
    html`<p>${message}</p>
      <p><a href="${link.href}">${link.label}</a></p>`,
  );
}
