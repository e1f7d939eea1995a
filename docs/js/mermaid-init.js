// Draw the ```mermaid blocks (pymdownx.superfences renders them as <pre class="mermaid">).
if (window.mermaid) {
  window.mermaid.initialize({ startOnLoad: true, securityLevel: "loose", flowchart: { htmlLabels: true } });
}
