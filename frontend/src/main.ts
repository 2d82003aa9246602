import './style.css'
import { mount } from 'svelte'
import App from './App.svelte'

// Svelte 5 mounts with mount(); the template's `new App(...)` renders nothing.
const target = document.getElementById('app')
if (!target) throw new Error('main: #app element missing from index.html')

export default mount(App, { target })
