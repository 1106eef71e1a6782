// Boots the admin web: Element Plus (full import), the router, and the rule that any 401 means the
// session is gone, so the merchant is taken back to the login page.
import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './styles.css';
import App from './App.vue';
import { router } from './router';
import { onUnauthorized } from './api/http';
import { clearSession } from './session/useSession';

onUnauthorized(() => {
  clearSession();
  const current = router.currentRoute.value;
  if (current.name === 'login') return;
  void router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } });
});

createApp(App).use(ElementPlus).use(router).mount('#app');
