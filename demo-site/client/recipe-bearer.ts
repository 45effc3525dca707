// The bearer recipe: getHeaders() is awaited before every request, so it can refresh a token.
// The token here is a stand-in minted in the page; the Entra page gets a real one from MSAL.
import type { GroundedChatElement } from '@grounded-chat/widget';

const chat = document.querySelector('grounded-chat') as GroundedChatElement;
const count = document.querySelector('[data-header-count]')!;
let calls = 0;
async function getToken(): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return 'demo-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
chat.getHeaders = async () => {
  count.textContent = String(++calls);
  return { Authorization: `Bearer ${await getToken()}` };
};
