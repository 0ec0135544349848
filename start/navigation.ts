/*
| The core's entries of the main navigation. Plugins add theirs through their
| context; every entry is filtered by the user's permissions.
*/
import navigation from '#services/navigation'

navigation.add({ key: 'home', label: { es: 'Inicio', en: 'Home' }, href: '/', order: 0 })
