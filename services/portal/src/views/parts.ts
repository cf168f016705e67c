import { html } from './html';

// Small pieces every page family uses.

/** A time as people read it, in UTC; empty for none. */
export const when = (iso: string | null) => (iso ? new Date(iso).toUTCString().replace(' GMT', ' UTC') : '');

/** An error at the top of a page or form, announced; `field` links it to the input it is about. */
export const problemBox = (message: string | undefined, field?: string) =>
  message
    ? html`<div class="problem" role="alert" ${field ? html`id="${field}-problem"` : ''}>
        <p>${message}</p>
      </div>`
    : '';

/** A change that went through, announced politely. */
export const noticeBox = (text: string | undefined) =>
  text ? html`<div class="notice" role="status"><p>${text}</p></div>` : '';
