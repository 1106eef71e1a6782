// Routes of the admin web (history mode under /admin/) and the guard that sends a visitor without a
// session to the login page, remembering where they were going, and a person whose role lacks a page's
// capability (a typed or stale link) to the dashboard. The server refuses them anyway; this spares a broken page.
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { can, ensureSession } from './session/useSession';
import type { Capability } from './api/types';
import AppLayout from './components/AppLayout.vue';
import LoginPage from './pages/login/LoginPage.vue';
import DashboardPage from './pages/dashboard/DashboardPage.vue';
import RefundQueuePage from './pages/refunds/RefundQueuePage.vue';
import RefundDetailPage from './pages/refunds/RefundDetailPage.vue';
import OrderListPage from './pages/orders/OrderListPage.vue';
import OrderDetailPage from './pages/orders/OrderDetailPage.vue';
import ShippingQueuePage from './pages/shipping/ShippingQueuePage.vue';
import ProductsPage from './pages/products/ProductsPage.vue';
import StaffPage from './pages/staff/StaffPage.vue';
import SettingsPage from './pages/settings/SettingsPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    nav?: 'dashboard' | 'shipping' | 'refunds' | 'orders' | 'products' | 'staff' | 'settings';
    /** the page is only for roles with this capability */
    capability?: Capability;
  }
}

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
    {
      path: '/',
      component: AppLayout,
      children: [
        { path: '', redirect: { name: 'dashboard' } },
        { path: 'dashboard', name: 'dashboard', component: DashboardPage, meta: { nav: 'dashboard' } },
        { path: 'shipping', name: 'shipping', component: ShippingQueuePage, meta: { nav: 'shipping' } },
        { path: 'refunds', name: 'refunds', component: RefundQueuePage, meta: { nav: 'refunds' } },
        {
          path: 'refunds/:refundNo',
          name: 'refund',
          component: RefundDetailPage,
          props: true,
          meta: { nav: 'refunds' },
        },
        { path: 'orders', name: 'orders', component: OrderListPage, meta: { nav: 'orders' } },
        {
          path: 'orders/:orderNo',
          name: 'order',
          component: OrderDetailPage,
          props: true,
          meta: { nav: 'orders' },
        },
        { path: 'products', name: 'products', component: ProductsPage, meta: { nav: 'products' } },
        { path: 'staff', name: 'staff', component: StaffPage, meta: { nav: 'staff', capability: 'manage_staff' } },
        { path: 'settings', name: 'settings', component: SettingsPage, meta: { nav: 'settings', capability: 'manage_settings' } },
      ],
    },
    { path: '/:pathMatch(.*)*', redirect: { name: 'dashboard' } },
  ],
});

router.beforeEach(async (to: RouteLocationNormalized) => {
  let signedIn = false;
  try {
    signedIn = await ensureSession();
  } catch {
    // server unreachable: let the page show its own error rather than loop through the guard
    return true;
  }
  if (to.meta.public) return signedIn ? { name: 'dashboard' } : true;
  if (signedIn) return !to.meta.capability || can(to.meta.capability) ? true : { name: 'dashboard' };
  return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
});
