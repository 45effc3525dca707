// The React 19 recipe, live. The widget's ES build is imported first, so the element is defined
// before React renders it (React then sets `suggestions` and `strings` as properties).
//
// Why two files: React DOM is about 180 KB of script. Loading it through a dynamic import makes
// its evaluation a task of its own instead of one long task with the widget's, and the render
// runs as a transition, in slices: the page stays responsive while the recipe starts (the
// Lighthouse budget's Total Blocking Time).
import '@grounded-chat/widget';

const root = document.getElementById('react-root');
if (root) void import('./recipe-react-app.js').then((m) => m.mount(root));
