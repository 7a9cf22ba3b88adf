from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicFormsConfig(AppConfig):
    name = "clinic_forms"
    verbose_name = "Clinic forms"

    def ready(self) -> None:
        from bookings import flow_steps, record_sections
        from bookings import privacy as bookings_privacy
        from clinic_forms import flow, record, responses, roles

        flow_steps.step_register("clinic_forms", flow.STEP)
        bookings_privacy.appointments_erased.connect(
            responses.erase_responses, dispatch_uid="clinic_forms"
        )
        bookings_privacy.client_exported.connect(
            responses.export_responses, dispatch_uid="clinic_forms"
        )
        bookings_privacy.retention_due.connect(
            responses.on_retention_due, dispatch_uid="clinic_forms"
        )
        record_sections.section_register("clinic_forms", "Forms", record.record_section)
        post_migrate.connect(
            roles.ensure_form_roles, sender=self, dispatch_uid="clinic_forms.roles"
        )
