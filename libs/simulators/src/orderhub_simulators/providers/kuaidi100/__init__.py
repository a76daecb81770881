"""快递100 simulator: e-waybills (`/label/order`), tracking subscriptions (`/poll`), real-time
queries (`/poll/query.do`) and signed callbacks that move each parcel 揽收 → 在途 → 派件 → 签收."""
