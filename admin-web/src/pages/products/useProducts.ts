// Products page logic: the whole list (the API sends every product at once), the add / edit dialog, and the
// on-sale switch in each row, which saves at once.
import { ref } from 'vue';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/http';
import { createProduct, listProducts, updateProduct } from '../../api/products';
import type { Product } from '../../api/types';
import { useI18n } from '../../i18n/useI18n';
import { errorMessage } from '../../utils/errors';
import { changesTo, checkProductForm, emptyForm, formOf, type FieldError, type ProductField, type ProductForm } from './productForm';

export function useProducts() {
  const { t } = useI18n();
  const items = ref<Product[]>([]);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  /** null: closed; a product: editing it; 'new': adding one */
  const editing = ref<Product | 'new' | null>(null);
  const form = ref<ProductForm>(emptyForm());
  const errors = ref<Partial<Record<ProductField, FieldError>>>({});
  const saving = ref(false);
  const toggling = ref<number | null>(null);

  async function load(): Promise<void> {
    loading.value = items.value.length === 0;
    try {
      items.value = (await listProducts()).items;
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  function replace(product: Product): void {
    items.value = items.value.map((row) => (row.id === product.id ? product : row));
  }

  function failed(error: unknown): void {
    if (!(error instanceof ApiError && error.status === 401)) ElMessage.error(t('products.failed', { message: errorMessage(error) }));
  }

  function startCreate(): void {
    form.value = emptyForm();
    errors.value = {};
    editing.value = 'new';
  }

  function startEdit(product: Product): void {
    form.value = formOf(product);
    errors.value = {};
    editing.value = product;
  }

  async function save(): Promise<void> {
    const target = editing.value;
    if (!target || saving.value) return;
    const check = checkProductForm(form.value);
    if (!check.ok) {
      errors.value = check.errors;
      return;
    }
    errors.value = {};
    saving.value = true;
    try {
      if (target === 'new') {
        const { onSale: _onSale, ...body } = check.body; // a new product is on sale; the form does not offer otherwise
        const created = await createProduct(body);
        items.value = [created, ...items.value];
        ElMessage.success(t('products.created', { name: created.name }));
      } else {
        const change = changesTo(target, check.body);
        if (Object.keys(change).length === 0) {
          ElMessage.info(t('products.unchanged'));
        } else {
          const saved = await updateProduct(target.id, change);
          replace(saved);
          ElMessage.success(t('products.saved', { name: saved.name }));
        }
      }
      editing.value = null;
      void load();
    } catch (error) {
      failed(error);
    } finally {
      saving.value = false;
    }
  }

  async function setOnSale(product: Product, onSale: boolean): Promise<void> {
    toggling.value = product.id;
    try {
      const saved = await updateProduct(product.id, { onSale });
      replace(saved);
      ElMessage.success(t(saved.onSale ? 'products.nowOnSale' : 'products.nowOffSale', { name: saved.name }));
    } catch (error) {
      failed(error);
    } finally {
      toggling.value = null;
    }
  }

  void load();

  return { items, loading, loadError, editing, form, errors, saving, toggling, load, startCreate, startEdit, save, setOnSale };
}
