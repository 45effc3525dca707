// The Vue 3 recipe, live: Vue's runtime build (render functions, no template compiler: no eval
// under the site's CSP), `.prop` binding of an array, and an event listened to by its full name.
import { createApp, h, ref } from 'vue';
import '@grounded-chat/widget';

createApp({
  setup() {
    const answers = ref(0);
    return () => [
      h('grounded-chat', {
        endpoint: '/api/chat',
        'storage-key': 'demo-recipe-vue',
        '.suggestions': ['How do I use it with Vue?', 'How do I theme the widget?'],
        'onGrounded-chat:response': () => answers.value++,
      }),
      h('p', ['Answers received: ', h('output', { 'data-answers': '' }, String(answers.value))]),
    ];
  },
}).mount('#vue-root');
