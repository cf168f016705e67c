import { html, type SafeHtml } from './html';

export interface PageFrame {
  readonly title: string;
  /** The signed-in session's CSRF token: shows the navigation and the sign-out form. */
  readonly csrf?: string;
  /** The navigation entry of this page, marked as the current one. */
  readonly current?: string;
  /** The subject's dashboard (the default) or the operator console. */
  readonly area?: 'dashboard' | 'console';
  /** A same-origin path the page moves on to at once (a navigation of this site's own). */
  readonly refreshTo?: string;
}

const AREAS = {
  dashboard: {
    brand: 'Your privacy',
    label: 'Dashboard',
    signOut: '/sign-out',
    footer: 'Your data, your choices: this dashboard is run under our privacy policy.',
    nav: [
      { href: '/', label: 'My data' },
      { href: '/consents', label: 'My consents' },
      { href: '/exports', label: 'Download my data' },
      { href: '/delete', label: 'Delete my account' },
    ],
  },
  console: {
    brand: 'Lethe operator console',
    label: 'Console',
    signOut: '/console/sign-out',
    footer: 'Every action here is taken with your own operator token, and recorded as yours.',
    nav: [
      { href: '/console', label: 'Requests' },
      { href: '/console/holds', label: 'Legal holds' },
      { href: '/console/participants', label: 'Participants' },
    ],
  },
} as const;

/** Every page: a skip link, a landmark per region, one h1, and the stylesheet and script. */
export function page(frame: PageFrame, body: SafeHtml): string {
  const area = AREAS[frame.area ?? 'dashboard'];
  const nav = frame.csrf
    ? html`<nav aria-label="${area.label}">
        <ul>
          ${area.nav.map(
            (item) =>
              html`<li>
                <a href="${item.href}" ${item.href === frame.current ? html`aria-current="page"` : ''}
                  >${item.label}</a
                >
              </li>`,
          )}
        </ul>
        <form method="post" action="${area.signOut}">
          <input type="hidden" name="_csrf" value="${frame.csrf}" />
          <button type="submit" class="link">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} · ${area.brand}</title>
        ${frame.refreshTo ? html`<meta http-equiv="refresh" content="0; url=${frame.refreshTo}" />` : ''}
        <link rel="stylesheet" href="/assets/portal.css" />
        <script src="/assets/portal.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header>
          <p class="brand">${area.brand}</p>
          ${nav}
        </header>
        <main id="main">
          <h1>${frame.title}</h1>
          ${body}
        </main>
        <footer><p>${area.footer}</p></footer>
      </body>
    </html> `.text;
}
