// Inserting blocks where the cursor is. An inserted card (image, button, embed, TeX…) would
// stay selected, and the next key typed would replace it: the cursor moves to the paragraph
// after it instead (made when there is none). Focus is given at once, not on the next frame
// (TipTap's focus command waits one), so typing right after a toolbar click lands in the text.

import { NodeSelection, TextSelection } from "@tiptap/pm/state";

export function chainWithFocus(editor) {
  editor.view.focus();
  return editor.chain();
}

// At `position` (a drop), the block goes before or after the paragraph there, never into it.
export function insertBlock(editor, content, position) {
  let chain = chainWithFocus(editor);
  if (typeof position === "number") {
    const $position = editor.state.doc.resolve(Math.min(position, editor.state.doc.content.size));
    let at = position;
    if ($position.parent.isTextblock && $position.depth > 0) {
      at = $position.parentOffset === 0 ? $position.before() : $position.after();
    }
    chain = chain.insertContentAt(at, content);
  } else {
    chain = chain.insertContent(content);
  }
  return chain
    .command(({ tr, state }) => {
      if (!(tr.selection instanceof NodeSelection)) return true;
      const end = tr.selection.to;
      const after = tr.doc.resolve(end).nodeAfter;
      if (!after || !after.isTextblock) tr.insert(end, state.schema.nodes.paragraph.create());
      tr.setSelection(TextSelection.create(tr.doc, end + 1));
      return true;
    })
    .run();
}
