from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiToken, OfficerRole, Organisation, User


class OfficerRoleInline(admin.TabularInline):
    model = OfficerRole
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "masked_phone", "email", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "phone", "email"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Hồ sơ cá nhân",
            {
                "fields": [
                    "full_name",
                    "phone",
                    "date_of_birth",
                    "id_number",
                    "passport_number",
                    "address_unit",
                    "address_line",
                ]
            },
        ),
    ]
    raw_id_fields = ["address_unit"]
    inlines = [OfficerRoleInline]

    @admin.display(description="điện thoại")
    def masked_phone(self, user: User) -> str:
        from .identity import mask_phone

        return mask_phone(user.phone)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["tax_code", "name", "legal_representative"]
    search_fields = ["tax_code", "name"]
    raw_id_fields = ["legal_representative"]
    filter_horizontal = ["members"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "label", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "label", "created_at", "expires_at", "last_used_at"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False  # tokens are issued through the API, shown once
