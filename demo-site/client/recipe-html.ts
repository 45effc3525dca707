// The plain HTML recipe's page script: listens to the element's events, as a site owner's would.
const chat = document.querySelector('grounded-chat')!;
const log = document.querySelector('[data-trace-log]')!;
let n = 0;
chat.addEventListener('grounded-chat:response', (e) => {
  const traceId = (e as CustomEvent<{ message: { context?: { traceId?: string } } }>).detail.message.context?.traceId;
  log.textContent = `${++n} (last trace id: ${traceId ?? 'none'})`;
});
