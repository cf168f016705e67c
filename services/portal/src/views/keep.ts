import { html } from './html';
import { page } from './layout';
import { when } from './parts';

/** The page a notice's link opens: one button, because a link alone must change nothing. */
export function keepPage(formToken: string, token: string, expiresAt: number): string {
  return page(
    { title: 'Keep your account' },
    html`<p>
        Your account has not been used for a long time, so it is due to be deleted on
        ${when(new Date(expiresAt).toISOString())}, as our privacy policy says.
      </p>
      <form method="post" action="/keep/${token}" class="stack">
        <input type="hidden" name="_csrf" value="${formToken}" />
        <button type="submit">Keep my account</button>
      </form>
      <p>If you want it deleted, do nothing: it is deleted on that date.</p>`,
  );
}
