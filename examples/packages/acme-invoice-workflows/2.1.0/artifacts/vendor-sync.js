// Vendor sync 2.1.0: maps vendor records to the tenant's supplier list.
export function mapVendor(vendor) {
  return { id: vendor.id, name: vendor.name.trim(), country: vendor.country ?? "unknown" };
}
