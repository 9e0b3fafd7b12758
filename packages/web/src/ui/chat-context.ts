import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Chat } from '../state/chat.js';

export const ChatContext = createContext<Chat | null>(null);

export function useChat(): Chat {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error('useChat outside <ChatContext.Provider>');
  return chat;
}
