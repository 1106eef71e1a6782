// The delivery address on an order: what wx.chooseAddress gives, stored as JSON on the order row.

export interface Address {
  name: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
}

export function addressToColumn(a: Address | undefined): string | null {
  return a ? JSON.stringify({ name: a.name, phone: a.phone, province: a.province, city: a.city, district: a.district, detail: a.detail }) : null;
}

export function addressFromColumn(raw: string | null): Address | null {
  return raw === null ? null : (JSON.parse(raw) as Address);
}
