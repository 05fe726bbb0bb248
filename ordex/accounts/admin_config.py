from django.contrib.admin.apps import AdminConfig


class OrdexAdminConfig(AdminConfig):
    """Installed in place of `django.contrib.admin`, so `admin.site` (and every `@admin.register`) is the site
    that opens to admins only (`admin_site.OrdexAdminSite`)."""

    default_site = "ordex.accounts.admin_site.OrdexAdminSite"
