// The React 19 recipe, live: the widget's ES build is imported before React renders the element,
// so React sets `suggestions` and `strings` as properties.
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '@grounded-chat/widget';

const suggestions = ['How do I use it with React?', 'What are the widget attributes?'];
const strings = { title: 'React help' };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'grounded-chat': Record<string, unknown>;
    }
  }
}

function Help() {
  const chat = useRef<HTMLElement>(null);
  const [citations, setCitations] = useState(0);
  useEffect(() => {
    const el = chat.current!;
    const onCitation = () => setCitations((n) => n + 1);
    el.addEventListener('grounded-chat:citation', onCitation);
    return () => el.removeEventListener('grounded-chat:citation', onCitation);
  }, []);
  return (
    <>
      <grounded-chat ref={chat} endpoint="/api/chat" storage-key="demo-recipe-react" suggestions={suggestions} strings={strings} />
      <p>Citations opened: <output data-citations>{citations}</output></p>
    </>
  );
}

createRoot(document.getElementById('react-root')!).render(<Help />);
