/** Entry point: theme first (no flash), then the app. */
import { render } from 'preact';
import { App } from './ui/app.js';
import { initTheme } from './ui/theme.js';
import './styles/theme.css';
import './styles/layout.css';
import './styles/messages.css';
import './styles/dialogs.css';
import './styles/responsive.css';

initTheme();
const root = document.getElementById('app');
if (root) render(<App />, root);
