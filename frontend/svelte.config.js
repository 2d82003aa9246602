import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

export default {
  // TypeScript in <script lang="ts"> is handled by Vite.
  preprocess: vitePreprocess(),
}
