/** Entry point: theme first (no flash), then the app. */
import { render } from 'preact';
import { App } from './ui/app.js';
import { initTheme } from './ui/theme.js';
import './styles.css';

initTheme();
const root = document.getElementById('app');
if (root) render(<App />, root);
