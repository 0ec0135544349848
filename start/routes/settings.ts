/*
| Global settings (settings.manage): supervisors cannot change them (seed 000 §3A).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const OrganizationSettingsController = () => import('#controllers/organization_settings_controller')

router
  .group(() => {
    router
      .get('/settings/organization', [OrganizationSettingsController, 'edit'])
      .as('settings.organization.edit')
    router
      .put('/settings/organization', [OrganizationSettingsController, 'update'])
      .as('settings.organization.update')
  })
  .use([middleware.auth(), middleware.can(['settings.manage'])])
