import { render } from 'preact';
import { App } from './app.js';
import { interceptLinks } from './router.js';
import './styles.css';

const root = document.getElementById('root') as HTMLElement;
interceptLinks(document.body);
render(<App />, root);
