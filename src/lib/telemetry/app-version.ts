/** The app's version as package.json states it; Vite inlines only this field into the bundle. */
export { version as APP_VERSION } from '../../../package.json';
