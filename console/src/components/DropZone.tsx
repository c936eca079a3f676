/**
 * A drop zone around a real, labelled file input: keyboard users tab to the
 * input, others drop a file onto the zone. The line under it (a live region)
 * says which file is chosen, in the page's words.
 */
import { useId, useState } from 'preact/hooks';

export function DropZone(props: {
  label: string;
  hint: string;
  /** The input's `accept`. */
  accept: string;
  testId: string;
  /** What the live line says: the chosen file, or that none is. */
  chosen: string;
  onFile: (file: File) => void;
  /** Empty the input after each pick, so that the same file chosen again (fixed) fires again. */
  resetAfterPick?: boolean;
}) {
  const id = useId();
  const [over, setOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is the pointer's shortcut; the labelled file input inside is the way for everyone
    <div
      class={over ? 'dropzone over' : 'dropzone'}
      data-testid={props.testId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file !== undefined) props.onFile(file);
      }}
    >
      <label for={id}>{props.label}</label>
      <p class="muted" id={`${id}-hint`}>
        {props.hint}
      </p>
      <input
        id={id}
        type="file"
        accept={props.accept}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const file = input.files?.[0];
          if (file !== undefined) props.onFile(file);
          if (props.resetAfterPick === true) input.value = '';
        }}
      />
      <p class="dropzone-chosen" aria-live="polite">
        {props.chosen}
      </p>
    </div>
  );
}
